/**
 * The one validation layer for options (architecture.md rule 2; scikit-learn's
 * `_parameter_constraints`): every public function describes its options once as a
 * {@link Constraints} table and calls {@link validateOptions} at its entrance. Unknown option
 * names are rejected everywhere (`ERR_OUT_OF_RANGE`, naming the options that exist), a value of
 * the wrong type is `ERR_INVALID_ARG_TYPE`, a string outside its set is `ERR_INVALID_ARG_VALUE`
 * (Node's convention) and a number outside its range is `ERR_OUT_OF_RANGE`.
 *
 * Matrices are checked by `input.ts` (`toMatrix`); this file checks everything else.
 */
import { embgeoError } from './errors.js'

/** What one option may be. */
export type Constraint =
  | { readonly type: 'integer'; readonly min?: number; readonly max?: number }
  | { readonly type: 'number'; readonly min?: number; readonly max?: number; readonly minOpen?: boolean; readonly maxOpen?: boolean }
  | { readonly type: 'boolean' }
  | { readonly type: 'string' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'numbers'; readonly min?: number; readonly max?: number; readonly open?: boolean; readonly integer?: boolean }
  | { readonly type: 'function' }
  | { readonly type: 'signal' }
  /** Accepted as given; checked by the capability itself (matrices, neighbours, typed arrays). */
  | { readonly type: 'custom' }

/** The options of one function: name → constraint. */
export type Constraints = Readonly<Record<string, Constraint>>

/** Constraint builders, so tables read as one line per option. */
export const is = {
  int: (min: number, max?: number): Constraint => (max === undefined ? { type: 'integer', min } : { type: 'integer', min, max }),
  num: (c: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean } = {}): Constraint => ({ type: 'number', ...c }),
  /** A finite number > 0. */
  positive: { type: 'number', min: 0, minOpen: true } as Constraint,
  /** A finite number in (0, 1). */
  unitOpen: { type: 'number', min: 0, max: 1, minOpen: true, maxOpen: true } as Constraint,
  bool: { type: 'boolean' } as Constraint,
  string: { type: 'string' } as Constraint,
  oneOf: (...values: string[]): Constraint => ({ type: 'enum', values }),
  numbers: (c: { min?: number; max?: number; open?: boolean; integer?: boolean } = {}): Constraint => ({ type: 'numbers', ...c }),
  fn: { type: 'function' } as Constraint,
  custom: { type: 'custom' } as Constraint,
} as const

/** The options of every async call (`RunOptions`). */
export const RUN: Constraints = { signal: { type: 'signal' }, onProgress: { type: 'function' }, copy: { type: 'boolean' } }

/**
 * The same names for sync twins, which take no run options and ignore them (as `knnSync`), so
 * both twins accept the same names and reject a misspelt one with the same message.
 */
export const SYNC_RUN: Constraints = { signal: { type: 'custom' }, onProgress: { type: 'custom' }, copy: { type: 'custom' } }

/** A short description of a value for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of length ${value.length}`
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as { length?: number }).length ?? value.byteLength}`
  if (typeof value === 'object') return `an object with keys [${Object.keys(value as object).slice(0, 5).join(', ')}]`
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  return `${typeof value} ${String(value)}`
}

/** `name` must be an integer in [min, max]; returns it. */
export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a number; got ${describe(value)}`, { name })
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`
    throw embgeoError('ERR_OUT_OF_RANGE', `${name} must be ${range}; got ${value}`, { name, value, min, max })
  }
  return value
}

/** `name` must be a finite number within the bounds (open or closed); returns it. */
export function checkNumber(
  name: string,
  value: unknown,
  s: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean } = {},
): number {
  if (typeof value !== 'number') throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a number; got ${describe(value)}`, { name })
  const lo = s.min === undefined || (s.minOpen ? value > s.min : value >= s.min)
  const hi = s.max === undefined || (s.maxOpen ? value < s.max : value <= s.max)
  if (!Number.isFinite(value) || !lo || !hi) {
    const parts: string[] = []
    if (s.min !== undefined) parts.push(`${s.minOpen ? '>' : '>='} ${s.min}`)
    if (s.max !== undefined) parts.push(`${s.maxOpen ? '<' : '<='} ${s.max}`)
    throw embgeoError('ERR_OUT_OF_RANGE', `${name} must be a finite number${parts.length ? ' ' + parts.join(' and ') : ''}; got ${value}`, {
      name,
      value,
    })
  }
  return value
}

/** `name` must be one of `values`; returns it. Unknown strings are `ERR_INVALID_ARG_VALUE`. */
export function checkEnum<T extends string>(name: string, value: unknown, values: readonly T[]): T {
  if (typeof value !== 'string') throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a string; got ${describe(value)}`, { name })
  if (!(values as readonly string[]).includes(value)) {
    throw embgeoError('ERR_INVALID_ARG_VALUE', `${name} must be one of ${values.map((x) => `'${x}'`).join(', ')}; got '${value}'`, {
      name,
      value,
    })
  }
  return value as T
}

/** `name` must be undefined or a plain object; returns it (or `{}`). */
export function checkObject<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined) return {} as T
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be an object or undefined; got ${describe(value)}`, { name })
  }
  return value
}

/** Check one value against its constraint; returns the value to use (arrays are copied to plain arrays). */
export function checkValue(name: string, value: unknown, c: Constraint): unknown {
  switch (c.type) {
    case 'integer':
      return checkInteger(name, value, c.min ?? Number.MIN_SAFE_INTEGER, c.max)
    case 'number':
      return checkNumber(name, value, c)
    case 'boolean':
      if (typeof value !== 'boolean') throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a boolean; got ${describe(value)}`, { name })
      return value
    case 'string':
      if (typeof value !== 'string') throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a string; got ${describe(value)}`, { name })
      return value
    case 'enum':
      return checkEnum(name, value, c.values)
    case 'numbers': {
      if (!Array.isArray(value) && !(value instanceof Float64Array) && !(value instanceof Float32Array)) {
        throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be an array of numbers; got ${describe(value)}`, { name })
      }
      const arr = Array.from(value as ArrayLike<unknown>)
      if (arr.length === 0) throw embgeoError('ERR_OUT_OF_RANGE', `${name} must not be empty`, { name })
      return arr.map((x, i) =>
        c.integer === true
          ? checkInteger(`${name}[${i}]`, x, c.min ?? Number.MIN_SAFE_INTEGER, c.max)
          : checkNumber(`${name}[${i}]`, x, { min: c.min, max: c.max, minOpen: c.open, maxOpen: c.open }),
      )
    }
    case 'function':
      if (typeof value !== 'function') throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a function; got ${describe(value)}`, { name })
      return value
    case 'signal':
      if (!(value instanceof AbortSignal)) throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be an AbortSignal; got ${describe(value)}`, { name })
      return value
    case 'custom':
      return value
  }
}

/**
 * Validate `options` of function `fn` against `table`: not an object → ERR_INVALID_ARG_TYPE; an
 * option name not in the table → ERR_OUT_OF_RANGE naming the options that exist; each given value
 * checked by {@link checkValue}. Options set to `undefined` count as not given. Returns a new
 * object holding only the given options, checked.
 */
export function validateOptions<T extends object = Record<string, unknown>>(fn: string, options: unknown, table: Constraints): T {
  const o = checkObject('options', options as object | undefined) as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(o)) {
    const v = o[key]
    if (v === undefined) continue
    const c = table[key]
    if (c === undefined) {
      throw embgeoError('ERR_OUT_OF_RANGE', `${fn} has no option '${key}'; its options are ${Object.keys(table).join(', ')}`, { name: key })
    }
    out[key] = checkValue(`options.${key}`, v, c)
  }
  return out as T
}
