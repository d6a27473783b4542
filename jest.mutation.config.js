/**
 * The jest configuration `npm run mutation` (StrykerJS) runs: the main one, limited to the fast
 * tiers that exercise the pure core (unit, property and rule-pack tests), so each mutant takes
 * seconds. The integration, infra and e2e tiers still run in `npm test`.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/test/unit', '<rootDir>/test/rules'] };
