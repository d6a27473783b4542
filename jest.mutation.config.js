/**
 * The jest configuration `npm run mutation` (StrykerJS) runs: the main one without the infra (CDK
 * synth) and e2e (browser) tiers, which exercise no core code the others do not, so each mutant
 * takes seconds (Stryker runs only the tests that cover it). Integration tests stay: some core
 * modules (dedupe windows on DynamoDB) are tested only there.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/test/unit', '<rootDir>/test/rules', '<rootDir>/test/integration'] };
