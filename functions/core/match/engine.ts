/**
 * json-rules-engine set up the way rekwatch uses it: undefined facts allowed (a missing CloudTrail
 * field is `undefined`, never an error), the default JSONPath resolver, and rekwatch's operators.
 * Undefined shared conditions are allowed too (`{"condition": "name"}` is false): rekwatch registers
 * none and validation refuses them, and json-rules-engine's default (throwing while the conditions
 * beside it are already running) would leave their rejections unhandled and crash the process.
 * json-rules-engine is the authority for every alert; see precheck.ts for what runs before it.
 */
import { Engine, type RuleProperties } from 'json-rules-engine';
import { CUSTOM_OPERATORS } from './operators';
import type { RuleDefinition } from '../common/types';

export interface EngineOperator {
  evaluate(factValue: unknown, value: unknown): boolean;
}

/** The operator registry of an engine (json-rules-engine's OperatorMap, which applies decorators). */
export interface OperatorLookup {
  get(name: string): EngineOperator | null | undefined;
}

export function createEngine(rules: readonly RuleDefinition[] = []): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true, allowUndefinedConditions: true });
  for (const op of CUSTOM_OPERATORS) engine.addOperator(op.name, op.evaluate);
  for (const rule of rules) engine.addRule(toEngineRule(rule));
  return engine;
}

export function operatorsOf(engine: Engine): OperatorLookup {
  return (engine as unknown as { operators: OperatorLookup }).operators;
}

export function toEngineRule(rule: RuleDefinition): RuleProperties {
  return {
    name: rule.id,
    conditions: rule.conditions as unknown as RuleProperties['conditions'],
    event: { type: rule.id },
  };
}
