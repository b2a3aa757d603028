/** Load the generated napi-rs binding (throws if neither a native nor the WebAssembly binary loads). */
export declare function loadBinding(): typeof import('./binding.cjs')
/** Whether the environment variable EMBGEO_FORCE_WASM ('1' or 'true') forces the WebAssembly binding. */
export declare function wasmForced(): boolean
