/**
 * The only module that touches the generated loader (`binding.cjs`, written by `napi build`).
 * A missing or broken platform binary becomes `ERR_NATIVE_LOAD` naming the package to install.
 * Without a native binary the generated loader falls back to the WebAssembly binding;
 * `EMBGEO_FORCE_WASM=1` forces it (native-loader.cjs).
 */
import { embgeoError } from './errors.js'
import loader from '../native-loader.cjs'

type Binding = ReturnType<typeof loader.loadBinding>

/** The raw binding's types, for the layers that call it by name. */
export type NativeBinding = Binding
/** The raw binding's job control (cancel flag, progress). */
export type NativeControl = InstanceType<Binding['JobControl']>
/** The result of the raw binding's async function `K`. */
export type NativeResult<K extends keyof Binding> = Binding[K] extends (...args: never[]) => Promise<infer N> ? N : never

/** The package of the WebAssembly binding (any platform; `EMBGEO_FORCE_WASM=1` forces it). */
export const WASM_PACKAGE = '@embgeo/binding-wasm32-wasi'

function platformPackage(): string {
  if (loader.wasmForced()) return WASM_PACKAGE
  const { platform, arch } = process
  let abi = ''
  if (platform === 'linux') {
    const report = (process.report?.getReport?.() ?? {}) as { header?: { glibcVersionRuntime?: string } }
    abi = report.header?.glibcVersionRuntime ? '-gnu' : '-musl'
  } else if (platform === 'win32') abi = '-msvc'
  return `@embgeo/binding-${platform}-${arch}${abi}`
}

function load(): Binding {
  return loader.loadBinding()
}

let cached: Binding | undefined

/** The raw binding; throws `ERR_NATIVE_LOAD` if it could not be loaded. */
export function native(): Binding {
  if (cached === undefined) {
    try {
      cached = load()
    } catch (err) {
      throw nativeLoadError(err)
    }
  }
  return cached
}

/** The error users see when no binary matches this platform. */
export function nativeLoadError(err: unknown): Error {
  const pkg = platformPackage()
  const e = embgeoError(
    'ERR_NATIVE_LOAD',
    `embgeo could not load its native addon for ${process.platform}-${process.arch} (package ${pkg}). ` +
      `Fix: reinstall so npm fetches the optional dependency ${pkg} (delete node_modules and package-lock.json, ` +
      `then npm install; do not use --omit=optional or --no-optional), or build from source with a Rust toolchain ` +
      `(npm run build:native), or install ${WASM_PACKAGE} (WebAssembly, slower, any platform). Cause: ${err instanceof Error ? err.message : String(err)}`,
    { package: pkg },
  )
  Object.defineProperty(e, 'cause', { value: err })
  return e
}
