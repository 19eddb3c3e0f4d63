/**
 * The base of every resource class: a resource is a view of its client.
 */
import type { ClientCore } from "./client.js"

export abstract class APIResource {
  protected _client: ClientCore
  constructor(client: ClientCore) {
    this._client = client
  }
}
