// What client-node's dist/cache.js (ListWatch) takes from its dist/serializer.js: serialize() of the label and
// field selectors, strings that stay as they are. The real one loads every model (~20 MB). Loaded in its
// place by ../slim.ts.
export const ObjectSerializer = {
  serialize: (data: unknown): unknown => data,
};
