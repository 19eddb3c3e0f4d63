/**
 * `@effect-openai/promise`: the official `openai` package's surface, on the Effect core of
 * `@effect-openai/openai`. Change `import OpenAI from "openai"` to `import OpenAI from "@effect-openai/promise"`.
 */
import { OpenAI } from "./generated/client.js"

export default OpenAI
export { OpenAI }
export { APIPromise } from "./core/api-promise.js"
export { AzureOpenAI, type AzureClientOptions } from "./azure.js"
export type { SubjectTokenProvider, WorkloadIdentity } from "./auth.js"
export type { ApiKeySetter, ClientOptions, Fetch, Logger, LogLevel } from "./core/client.js"
export {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ContentFilterFinishReasonError,
  InsufficientQuotaError,
  InternalServerError,
  InvalidInputError,
  InvalidWebhookSignatureError,
  LengthFinishReasonError,
  NotFoundError,
  OAuthError,
  OpenAIError,
  PermissionDeniedError,
  RateLimitError,
  ResponseDecodeError,
  ResumeNotAvailableError,
  StreamError,
  StreamTruncatedError,
  StructuredOutputParseError,
  SubjectTokenProviderError,
  UnprocessableEntityError,
  UnsupportedSchemaError,
  UploadError
} from "./core/error.js"
export { PagePromise } from "./core/pagination.js"
export { Stream } from "./core/streaming.js"
export { toFile, type Uploadable } from "./core/uploads.js"
export type { RequestOptions } from "./internal/request-options.js"
