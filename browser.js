export * from '@embgeo/binding-wasm32-wasi'
