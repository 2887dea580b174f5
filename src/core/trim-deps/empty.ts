// What ../trim-deps.ts gives in place of a module left out: nothing (a CommonJS require() of it gets {}).
export {};
