// `node:url` for the page: readEmbeddings takes bytes there, never a file: URL.
export function fileURLToPath(url) {
  throw new TypeError(`file: URLs are not readable in a browser (${url}); pass the file's bytes`)
}
