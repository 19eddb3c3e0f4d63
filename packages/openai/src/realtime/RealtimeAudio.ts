/**
 * Audio for the Realtime API as plain data, in any runtime: PCM16 (signed 16-bit little-endian samples, mono;
 * 24 kHz unless the session says otherwise) to and from the base64 of `input_audio_buffer.append` and
 * `response.output_audio.delta`.
 *
 * ```ts
 * session.send({ type: "input_audio_buffer.append", audio: RealtimeSession.Audio.encodePcm16(samples) })
 * const pcm = RealtimeSession.Audio.decodePcm16(event.delta)   // Int16Array
 * ```
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Samples in [-1, 1] as 16-bit integers (clamped), little-endian bytes. */
const fromFloat32 = (samples: Float32Array): Uint8Array => {
  const bytes = new Uint8Array(samples.length * 2)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!))
    view.setInt16(i * 2, s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff), true)
  }
  return bytes
}

const fromInt16 = (samples: Int16Array): Uint8Array => {
  if (littleEndian) return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)
  const bytes = new Uint8Array(samples.length * 2)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true)
  return bytes
}

/**
 * Base64 of PCM16 audio, for `input_audio_buffer.append`: from 16-bit samples, from float samples in [-1, 1] (as
 * the Web Audio API gives them; clamped), or from bytes that already are PCM16 little-endian.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodePcm16 = (audio: Int16Array | Float32Array | Uint8Array): string =>
  Encoding.encodeBase64(
    audio instanceof Uint8Array ? audio : audio instanceof Int16Array ? fromInt16(audio) : fromFloat32(audio)
  )

/**
 * The bytes of a base64 audio delta (`response.output_audio.delta`'s `delta`), whatever the output format. Throws
 * a `RangeError` on text that is not base64, which the server does not send.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeAudioDelta = (base64: string): Uint8Array => {
  const decoded = Encoding.decodeBase64(base64)
  if (Either.isLeft(decoded)) throw new RangeError(`not base64: ${decoded.left.message}`)
  return decoded.right
}

/**
 * The samples of a base64 PCM16 delta. A trailing odd byte (a sample split across deltas, which the server does
 * not do) is dropped.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodePcm16 = (base64: string): Int16Array => {
  const bytes = decodeAudioDelta(base64)
  const count = bytes.length >>> 1
  if (littleEndian && bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, count)
  const samples = new Int16Array(count)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < count; i++) samples[i] = view.getInt16(i * 2, true)
  return samples
}

/**
 * 16-bit samples as floats in [-1, 1), as the Web Audio API plays them.
 *
 * @since 0.1.0
 * @category decoding
 */
export const toFloat32 = (samples: Int16Array): Float32Array => {
  const out = new Float32Array(samples.length)
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 0x8000
  return out
}
