/**
 * UTF-8 text built in one reused buffer: the cells of a chunk's lines are copied in as bytes, so
 * a million output lines leave no string per cell or line behind. (Lines built as strings were
 * three quarters of what the scoring thread allocated, about 300 MB per million CSV rows.)
 */
export class TextBytes {
  #bytes = Buffer.allocUnsafeSlow(64 * 1024)
  #length = 0

  /** Appends bytes already encoded (a cached cell). */
  add(bytes: Uint8Array): void {
    const at = this.#reserve(bytes.length)
    // A few bytes are copied faster one by one than through set(), which is a call into C++.
    if (bytes.length <= 16) for (let index = 0; index < bytes.length; index += 1) this.#bytes[at + index] = bytes[index] ?? 0
    else this.#bytes.set(bytes, at)
    this.#length += bytes.length
  }

  /** Appends one ASCII character by its code. */
  byte(code: number): void {
    const at = this.#reserve(1)
    this.#bytes[at] = code
    this.#length += 1
  }

  /** Appends a string, UTF-8 encoded. */
  text(text: string): void {
    const at = this.#reserve(text.length * 3)
    this.#length += this.#bytes.write(text, at, 'utf8')
  }

  /** Appends a row number as String() prints it. */
  integer(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      this.text(String(value))
      return
    }
    let digits = 1
    for (let power = 10; power <= value; power *= 10) digits += 1
    const at = this.#reserve(digits)
    let rest = value
    for (let index = digits - 1; index >= 0; index -= 1) {
      this.#bytes[at + index] = DIGIT_0 + (rest % 10)
      rest = Math.floor(rest / 10)
    }
    this.#length += digits
  }

  /** The bytes so far, as a buffer of their own (the writer may hold it while the next lines are built), and an empty builder. */
  take(): Buffer {
    const taken = Buffer.from(this.#bytes.subarray(0, this.#length))
    this.#length = 0
    return taken
  }

  /** Makes room for `count` more bytes; returns where they go. */
  #reserve(count: number): number {
    const needed = this.#length + count
    if (needed > this.#bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.#bytes.length * 2))
      this.#bytes.copy(grown, 0, 0, this.#length)
      this.#bytes = grown
    }
    return this.#length
  }
}

const DIGIT_0 = 0x30

/**
 * The UTF-8 bytes of numbers as String() prints them (JSON's null for NaN and the infinities when
 * `json`). A model answers few distinct numbers (a tree ensemble's probabilities are vote shares),
 * and printing a double is the costly part of a line: the bytes are remembered in a table indexed
 * by the value's bits, a newer value taking an older one's slot.
 */
export class NumberBytes {
  readonly #bits = new Float64Array(1)
  readonly #words = new Uint32Array(this.#bits.buffer)
  readonly #high = new Uint32Array(NUMBER_SLOTS)
  readonly #low = new Uint32Array(NUMBER_SLOTS)
  readonly #bytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(NUMBER_SLOTS)

  constructor(private readonly json: boolean) {}

  of(value: number): Uint8Array {
    this.#bits[0] = value
    const low = this.#words[0] ?? 0
    const high = this.#words[1] ?? 0
    const slot = Math.imul(high ^ low, 0x9e3779b1) >>> (32 - NUMBER_SLOT_BITS)
    const cached = this.#bytes[slot]
    if (cached !== undefined && this.#high[slot] === high && this.#low[slot] === low) return cached
    const bytes = Buffer.from(this.json && !Number.isFinite(value) ? 'null' : String(value))
    this.#high[slot] = high
    this.#low[slot] = low
    this.#bytes[slot] = bytes
    return bytes
  }
}

const NUMBER_SLOT_BITS = 12
const NUMBER_SLOTS = 1 << NUMBER_SLOT_BITS

/** The UTF-8 bytes of texts as `encode` writes them (a label quoted for CSV or JSON), remembered up to a bound. */
export class TextCache {
  readonly #bytes = new Map<string, Uint8Array>()

  constructor(private readonly encode: (text: string) => string) {}

  of(text: string): Uint8Array {
    let bytes = this.#bytes.get(text)
    if (bytes === undefined) {
      bytes = Buffer.from(this.encode(text))
      if (this.#bytes.size < 4096) this.#bytes.set(text, bytes)
    }
    return bytes
  }
}
