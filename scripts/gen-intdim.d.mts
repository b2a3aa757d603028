// Types of scripts/gen-intdim.mjs (for __test__/intdim-generated.spec.ts).
export declare const OUTPUT: string
export declare function loadSchema(): unknown
export declare function render(schema: unknown): string
