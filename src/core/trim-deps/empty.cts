// What ../trim-deps.ts gives a CommonJS require() of a module left out: nothing. CommonJS, so that no
// require() of it can meet an ES import of it still loading (ERR_REQUIRE_ESM_RACE_CONDITION).
export {};
