/**
 * One Effect runtime per client, built from the core's layers with the client's options, and the bridge from
 * its effects to promises: a call is one fiber, its `signal` interrupts it, its failure becomes the official
 * error class.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as OpenAI from "@effect-openai/openai/OpenAI"
import * as OpenAIAuth from "@effect-openai/openai/OpenAIAuth"
import * as OpenAIClient from "@effect-openai/openai/OpenAIClient"
import * as OpenAIConfig from "@effect-openai/openai/OpenAIConfig"
import * as CoreError from "@effect-openai/openai/OpenAIError"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as EffectLogger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import { APIUserAbortError, OpenAIError } from "../core/error.js"
import type { WorkloadIdentity } from "../auth.js"
import { fromCore } from "./errors.js"
import { fetchLayer } from "./fetch.js"
import { toCore as toCoreProvider } from "./providers.js"

/** A logger as the official SDK takes it. */
export interface Logger {
  error: (message: string, ...rest: Array<unknown>) => void
  warn: (message: string, ...rest: Array<unknown>) => void
  info: (message: string, ...rest: Array<unknown>) => void
  debug: (message: string, ...rest: Array<unknown>) => void
}

export type LogLevelName = "off" | "error" | "warn" | "info" | "debug"

/** What the runtime is built from: the client's options after defaults and the environment. */
/** What `AzureOpenAI` adds: its credential and deployment routing. */
export interface AzureSettings {
  /** The deployment for the model endpoints, else each request's `model`; absent with the v1 endpoint. */
  readonly deployments: { readonly deployment: string | undefined } | undefined
  /** Microsoft Entra ID tokens, asked for before every attempt (otherwise `apiKey` is sent as `api-key`). */
  readonly tokenProvider: (() => Promise<string>) | undefined
}

export interface RuntimeOptions {
  readonly apiKey: string | (() => Promise<string>) | null
  readonly workloadIdentity: WorkloadIdentity | undefined
  readonly azure: AzureSettings | undefined
  readonly adminAPIKey: string | null
  readonly organization: string | null
  readonly project: string | null
  readonly baseURL: string
  readonly timeout: number
  readonly maxRetries: number
  readonly defaultHeaders: Readonly<Record<string, string | null>>
  readonly defaultQuery: Readonly<Record<string, unknown>> | undefined
  readonly fetch: ((input: any, init?: any) => Promise<Response>) | undefined
  readonly fetchOptions: RequestInit | undefined
  readonly logLevel: LogLevelName
  readonly logger: Logger
}

type Client = OpenAIClient.OpenAIClient

const keyError = (cause: unknown) =>
  new CoreError.InvalidInputError({
    message: `the apiKey function failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })

/** A key from the user's function, asked for before each attempt. */
const keyFrom = (get: () => Promise<string>): Effect.Effect<string, CoreError.InvalidInputError> =>
  Effect.flatMap(Effect.tryPromise({ try: () => get(), catch: keyError }), (value) =>
    typeof value === "string" && value !== ""
      ? Effect.succeed(value)
      : Effect.fail(keyError(new TypeError("it returned no key"))))

/** The admin key, when there is one, for admin endpoints; `user` for everything else. */
const withAdminKey = (
  user: Layer.Layer<OpenAIAuth.OpenAIAuth, never, HttpClient.HttpClient>,
  adminAPIKey: string | null
): Layer.Layer<OpenAIAuth.OpenAIAuth, never, HttpClient.HttpClient> => {
  if (adminAPIKey === null) return user
  const admin = Effect.succeed({ authorization: `Bearer ${adminAPIKey}` })
  // `Layer.map` keeps the inner layer's scope (workload identity renews its tokens in it) for the runtime's life.
  return Layer.map(user, (context) => {
    const inner = Context.get(context, OpenAIAuth.OpenAIAuth)
    return Context.make(OpenAIAuth.OpenAIAuth, {
      ...inner,
      headers: (request) => (request.admin ? admin : inner.headers(request))
    })
  })
}

/**
 * Credentials, from the core's layers: workload identity, Azure's `api-key` or Entra ID tokens, a key function
 * asked before each attempt, or static keys (the admin key for admin endpoints).
 */
const authLayer = (options: RuntimeOptions): Layer.Layer<OpenAIAuth.OpenAIAuth, never, HttpClient.HttpClient> => {
  const identity = options.workloadIdentity
  if (identity !== undefined) {
    const provider = toCoreProvider(identity.provider)
    const auth = OpenAIAuth.layerWorkloadIdentity({
      identityProviderId: identity.identityProviderId,
      serviceAccountId: identity.serviceAccountId,
      provider,
      clientId: identity.clientId,
      tokenURL: identity.tokenURL,
      refreshBuffer: identity.refreshBufferSeconds === undefined ? undefined : Duration.seconds(identity.refreshBufferSeconds)
    }) as Layer.Layer<OpenAIAuth.OpenAIAuth, never, HttpClient.HttpClient>
    return withAdminKey(auth, options.adminAPIKey)
  }
  const key = options.apiKey
  const azure = options.azure
  if (azure !== undefined) {
    const get = azure.tokenProvider
    return get !== undefined
      ? OpenAIAuth.layerAzure({ tokenProvider: keyFrom(get) })
      : OpenAIAuth.layerAzure({ apiKey: key as string })
  }
  if (typeof key === "function") return withAdminKey(OpenAIAuth.layerApiKeyProvider(keyFrom(key)), options.adminAPIKey)
  return key === null
    ? OpenAIAuth.layerApiKey({ adminApiKey: options.adminAPIKey! })
    : OpenAIAuth.layerApiKey({ apiKey: key, adminApiKey: options.adminAPIKey ?? undefined })
}

const render = (message: unknown): string =>
  Array.isArray(message) ? message.map(render).join(" ") : typeof message === "string" ? message : String(message)

const minimum: Record<LogLevelName, LogLevel.LogLevel> = {
  off: LogLevel.None,
  error: LogLevel.Error,
  warn: LogLevel.Warning,
  info: LogLevel.Info,
  debug: LogLevel.Debug
}

/**
 * The core's log lines, handed to the user's logger (the core has already redacted them). A call's failure is the
 * caller's to handle: the runtime does not log it as an unhandled error.
 */
const loggerLayer = (logger: Logger, level: LogLevelName): Layer.Layer<never> =>
  Layer.mergeAll(
    Layer.setUnhandledErrorLogLevel(Option.none()),
    EffectLogger.replace(
      EffectLogger.defaultLogger,
      EffectLogger.make(({ annotations, logLevel, message }) => {
        const fields: Record<string, unknown> = {}
        for (const [key, value] of annotations) fields[key] = value
        const text = render(message)
        const level = logLevel._tag
        if (level === "Error" || level === "Fatal") logger.error(text, fields)
        else if (level === "Warning") logger.warn(text, fields)
        else if (level === "Info") logger.info(text, fields)
        else logger.debug(text, fields)
      })
    ),
    EffectLogger.minimumLogLevel(minimum[level])
  )

/**
 * The default transport, built once and shared by every client of the process (as the global `fetch` and its
 * connection pool are shared): `withOptions` clients and many short-lived clients reuse the same connections.
 */
let sharedTransport: Promise<HttpClient.HttpClient> | undefined
const defaultTransport: Layer.Layer<HttpClient.HttpClient> = Layer.effect(
  HttpClient.HttpClient,
  Effect.promise(() =>
    sharedTransport ??= ManagedRuntime.make(OpenAI.defaultTransport).runPromise(HttpClient.HttpClient)
  )
)

const usesFetch = (options: RuntimeOptions): boolean => options.fetch !== undefined || options.fetchOptions !== undefined

const fetchTransport = (options: RuntimeOptions): Layer.Layer<HttpClient.HttpClient> => fetchLayer(options.fetch)

const clientLayer = (options: RuntimeOptions, transport: Layer.Layer<HttpClient.HttpClient>): Layer.Layer<Client> =>
  Layer.mergeAll(
    OpenAIClient.layer({
      baseURL: options.baseURL,
      organization: options.organization ?? undefined,
      project: options.project ?? undefined,
      defaultHeaders: options.defaultHeaders,
      defaultQuery: options.defaultQuery,
      azureDeployments: options.azure?.deployments
    }).pipe(Layer.provide(authLayer(options)), Layer.provide(transport)),
    OpenAIConfig.layer({
      maxRetries: options.maxRetries,
      timeout: Duration.millis(options.timeout),
      logLevel: options.logLevel
    }),
    loggerLayer(options.logger, options.logLevel)
  )

/** A runtime being built or ready. The layer builds asynchronously (the Node transport loads undici on demand). */
class Lazy {
  private ready: Runtime.Runtime<Client> | undefined
  private building: Promise<Runtime.Runtime<Client>> | undefined
  constructor(private readonly managed: ManagedRuntime.ManagedRuntime<Client, never>) {}
  get now(): Runtime.Runtime<Client> | undefined {
    return this.ready
  }
  get(): Promise<Runtime.Runtime<Client>> {
    return this.building ??= this.managed.runtime().then((runtime) => (this.ready = runtime))
  }
}

/** Per-call settings of the bridge. */
export interface RunOptions {
  readonly signal?: AbortSignal | null | undefined
  readonly fetchOptions?: RequestInit | undefined
}

export class ClientRuntime {
  private readonly main: Lazy
  private viaFetch: Lazy | undefined

  // Private, so that no inspection of the client (even with hidden properties shown) reaches the credentials.
  readonly #options: RuntimeOptions

  constructor(options: RuntimeOptions) {
    this.#options = options
    const transport = usesFetch(options) ? fetchTransport(options) : defaultTransport
    this.main = new Lazy(ManagedRuntime.make(clientLayer(options, transport)))
  }

  /** The runtime for a call: with per-call `fetchOptions`, one whose transport is `fetch`. */
  private lazyFor(run: RunOptions | undefined): Lazy {
    if (run?.fetchOptions === undefined || usesFetch(this.#options)) return this.main
    return this.viaFetch ??= new Lazy(ManagedRuntime.make(clientLayer(this.#options, fetchTransport(this.#options))))
  }

  /** Runs `effect` as one fiber; its outcome settles through `onExit`, with errors already turned into classes. */
  run<A>(
    effect: Effect.Effect<A, CoreError.OpenAIError, Client>,
    run: RunOptions | undefined,
    onSuccess: (value: A) => void,
    onFailure: (error: unknown) => void
  ): void {
    const signal = run?.signal ?? undefined
    if (signal?.aborted) {
      onFailure(new APIUserAbortError())
      return
    }
    const fetchOptions = run?.fetchOptions ?? this.#options.fetchOptions
    const program = fetchOptions === undefined ? effect : Effect.provideService(effect, FetchHttpClient.RequestInit, {
      ...this.#options.fetchOptions,
      ...run?.fetchOptions
    })
    const lazy = this.lazyFor(run)
    const runtime = lazy.now
    if (runtime !== undefined) this.fork(runtime, program, signal, onSuccess, onFailure)
    else {
      lazy.get().then(
        (ready) => {
          if (signal?.aborted) onFailure(new APIUserAbortError())
          else this.fork(ready, program, signal, onSuccess, onFailure)
        },
        onFailure
      )
    }
  }

  private fork<A>(
    runtime: Runtime.Runtime<Client>,
    effect: Effect.Effect<A, CoreError.OpenAIError, Client>,
    signal: AbortSignal | undefined,
    onSuccess: (value: A) => void,
    onFailure: (error: unknown) => void
  ): void {
    const fiber = Runtime.runFork(runtime)(effect)
    const abort = signal === undefined ? undefined : () => fiber.unsafeInterruptAsFork(FiberId.none)
    if (abort !== undefined) signal!.addEventListener("abort", abort, { once: true })
    fiber.addObserver((exit) => {
      if (abort !== undefined) signal!.removeEventListener("abort", abort)
      if (Exit.isSuccess(exit)) onSuccess(exit.value)
      else onFailure(failureOf(exit.cause))
    })
  }

  /** `run` as a promise. */
  promise<A>(effect: Effect.Effect<A, CoreError.OpenAIError, Client>, run?: RunOptions): Promise<A> {
    return new Promise<A>((resolve, reject) => this.run(effect, run, resolve, reject))
  }
}

/** What a failed fiber rejects with: the official class of its error, an abort, or the defect itself. */
export const failureOf = (cause: Cause.Cause<CoreError.OpenAIError>): unknown => {
  const failure = Cause.failureOption(cause)
  if (failure._tag === "Some") return fromCore(failure.value)
  // Only an abort interrupts a call's fiber.
  if (Cause.isInterruptedOnly(cause)) return new APIUserAbortError()
  const defect = Cause.squash(cause)
  return defect instanceof Error ? defect : new OpenAIError(String(defect))
}
