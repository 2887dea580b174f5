/** ts-jest in ESM mode; tests talk to real servers, so they run one file at a time per worker and get generous timeouts. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
  // Most files wait on servers (the ircd's 1-line-a-second pacing, slapd, git), not the CPU: 4 at once on 2 cores
  // measured 107 s against 173 s with 2, with no failure.
  maxWorkers: 4,
};
