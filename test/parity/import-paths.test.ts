/**
 * The official package's import paths under `resources/`, against the facade: the forms users write
 * (`openai/resources/chat/completions`, `/resources/chat`, `/resources`, `/resources/index`, the declaring module
 * `/resources/responses/responses`, `/resources/shared`) give the same names from `@effect-openai/promise/...`.
 * The type imports are checked by `tsc -b`; at run time every re-export module the facade has is loaded, and its
 * values are the official module's names, the same classes whichever path reaches them.
 * `/auth` (workload identity) and `/azure` (`AzureOpenAI`) give the official modules' names as well.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type * as OfficialAuth from "openai/auth"
import type * as Official from "openai/resources/chat/completions"
import { describe, expect, it } from "vitest"
import type { ChatCompletionMessageParam, ChatCompletionsPage } from "@effect-openai/promise/resources/chat/completions"
import type { ChatCompletionMessageParam as Declared } from "@effect-openai/promise/resources/chat/completions/completions"
import { Chat, type ChatCompletionMessageParam as ViaChat, Completions as ChatCompletions } from "@effect-openai/promise/resources/chat"
import {
  Chat as ChatViaResources,
  type ChatCompletionMessageParam as ViaResources,
  type ChatModel as ChatModelViaResources,
  Completions,
  type Completion,
  Responses as ResponsesViaResources
} from "@effect-openai/promise/resources"
import type { ChatCompletionMessageParam as ViaIndex, CompletionCreateParams, ResponseFormatJSONSchema } from "@effect-openai/promise/resources/index"
import { Responses, type ResponseInputItem, type ResponseStreamEvent } from "@effect-openai/promise/resources/responses/responses"
import { Responses as ResponsesViaIndex } from "@effect-openai/promise/resources/responses/index"
import type { ChatModel, ResponseFormatJSONSchema as SharedFormat } from "@effect-openai/promise/resources/shared"
import OpenAI, { AzureOpenAI as AzureViaRoot, OAuthError, SubjectTokenProviderError } from "@effect-openai/promise"
import * as Auth from "@effect-openai/promise/auth"
import { AzureOpenAI, type AzureClientOptions } from "@effect-openai/promise/azure"

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
const same = <A, B>(_proof: Equal<A, B>): void => {}

const here = Path.dirname(fileURLToPath(import.meta.url))
const generated = Path.resolve(here, "../../packages/promise/src/generated")
const surface = JSON.parse(Fs.readFileSync(Path.resolve(here, "../../packages/codegen/data/official-surface.json"), "utf8")) as {
  readonly reexports: Readonly<Record<string, unknown>>
}

/** A module by a specifier known at run time only. */
const load = (specifier: string): Promise<Record<string, unknown>> => import(/* @vite-ignore */ specifier)

describe("official import paths under resources/", () => {
  it("give the same names, whichever path reaches them", () => {
    same<ChatCompletionMessageParam, Declared>(true)
    same<ViaChat, Declared>(true)
    same<ViaResources, Declared>(true)
    same<ViaIndex, Declared>(true)
    same<ChatModelViaResources, ChatModel>(true)
    same<ResponseFormatJSONSchema, SharedFormat>(true)
    // an official message param goes where ours is asked for
    const official: Official.ChatCompletionMessageParam = { role: "user", content: "Hi" }
    const ours: ChatCompletionMessageParam = official
    const input: ResponseInputItem = { role: "user", content: "Hi" }
    const create: CompletionCreateParams = { model: "gpt-3.5-turbo-instruct", prompt: "Say" }
    const events: ReadonlyArray<ResponseStreamEvent> = []
    const pages: ReadonlyArray<ChatCompletionsPage> = []
    const completions: ReadonlyArray<Completion> = []
    expect([ours, input, create, events, pages, completions].length).toBe(6)
    expect(ChatViaResources).toBe(Chat)
    expect(ChatCompletions).toBe(Chat.Completions)
    expect(Completions).not.toBe(ChatCompletions)
    expect(ResponsesViaResources).toBe(Responses)
    expect(ResponsesViaIndex).toBe(Responses)
  })

  it("every re-export module the facade has loads, and passes on the official module's values", async () => {
    const modules = Object.keys(surface.reexports).filter((m) => Fs.existsSync(Path.join(generated, `${m}.ts`)))
    expect(modules.length).toBeGreaterThan(60)
    expect(modules).toContain("resources/index")
    expect(modules).toContain("resources/chat/completions")
    for (const module of modules) {
      const ours = await load(`@effect-openai/promise/${module}`)
      const official = await load(`openai/${module}`)
      const names = Object.keys(ours)
      expect(names.length, module).toBeGreaterThan(0)
      expect(names.filter((name) => !(name in official)), module).toEqual([])
      for (const name of names) expect(typeof ours[name], `${module}: ${name}`).toBe("function")
    }
    const top = await load("@effect-openai/promise/resources")
    const index = await load("@effect-openai/promise/resources/index")
    expect(Object.keys(top).sort()).toEqual(Object.keys(index).sort())
  })
})

describe("official import paths beside resources/: auth and azure", () => {
  it("`/auth` and `/azure` give the official names, the same classes as the package's root", async () => {
    for (const module of ["auth", "azure"]) {
      const ours = await load(`@effect-openai/promise/${module}`)
      const official = await load(`openai/${module}`)
      const names = Object.keys(official)
      expect(names.length, module).toBeGreaterThan(0)
      for (const name of names) expect(typeof ours[name], `${module}: ${name}`).toBe(typeof official[name])
    }
    expect(Auth.OAuthError).toBe(OAuthError)
    expect(Auth.SubjectTokenProviderError).toBe(SubjectTokenProviderError)
    expect(AzureOpenAI).toBe(AzureViaRoot)
    expect(new AzureOpenAI({ apiKey: "k", endpoint: "https://r.openai.azure.com", apiVersion: "v1" })).toBeInstanceOf(OpenAI)
  })

  it("take the official package's option objects", () => {
    // an official workload identity goes where ours is asked for
    const official: OfficialAuth.WorkloadIdentity = {
      identityProviderId: "idp",
      serviceAccountId: "sa",
      provider: { tokenType: "jwt", getToken: async () => "t" },
      refreshBufferSeconds: 60
    }
    const ours: Auth.WorkloadIdentity = official
    const provider: Auth.SubjectTokenProvider = Auth.k8sServiceAccountTokenProvider("/token")
    const officialProvider: OfficialAuth.SubjectTokenProvider = provider
    const answer: Auth.TokenExchangeResponse = { access_token: "a", issued_token_type: "t", token_type: "Bearer" } satisfies OfficialAuth.TokenExchangeResponse
    const azure: AzureClientOptions = { endpoint: "https://r.openai.azure.com", apiVersion: "2024-10-21", deployment: "d", azureADTokenProvider: async () => "t" }
    expect([ours, officialProvider, answer, azure].length).toBe(4)
  })
})
