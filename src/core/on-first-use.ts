/** `make()`'s value, made the first time the returned function is called (a module loaded only when needed). */
export function onFirstUse<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
