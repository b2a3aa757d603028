/** Load the generated napi-rs binding (throws if no binary matches this platform). */
export declare function loadBinding(): typeof import('./binding.cjs')
