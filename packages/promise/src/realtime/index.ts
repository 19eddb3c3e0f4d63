/**
 * `@effect-openai/promise/realtime/index`, as the official `openai/realtime/index`: the error class of Realtime
 * connections. The clients are at `/realtime/ws` (the `ws` package, for Node) and `/realtime/websocket` (the
 * runtime's WebSocket).
 */
export { OpenAIRealtimeError } from "./internal-base.js"
