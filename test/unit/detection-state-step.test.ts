/**
 * The stateful step's small parts: KeyedQueue (updates of one state key run one after another, other
 * keys in parallel, a failure blocks nothing) and the function's stateful options from its environment.
 */
import { KeyedQueue, statefulOptionsFromEnv } from '../../functions/adapters/detection-state/stateful-step';

describe('KeyedQueue', () => {
  it('runs tasks of one key in order, one at a time, and tasks of other keys alongside', async () => {
    const q = new KeyedQueue();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = q.run('a', async () => {
      events.push('a1 start');
      await gate;
      events.push('a1 end');
      return 1;
    });
    const a2 = q.run('a', async () => {
      events.push('a2');
      return 2;
    });
    const b = q.run('b', async () => {
      events.push('b');
      return 3;
    });
    expect(await b).toBe(3);
    expect(events).toEqual(['a1 start', 'b']); // b did not wait for a; a2 waits for a1
    release();
    expect(await Promise.all([a1, a2])).toEqual([1, 2]);
    expect(events).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
  });

  it('passes a failure to its own caller only, and runs the next task of the key', async () => {
    const q = new KeyedQueue();
    const failed = q.run('k', async () => {
      throw new Error('boom');
    });
    const next = q.run('k', async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ran');
  });
});

describe('statefulOptionsFromEnv', () => {
  it('reads the lateness and memory the stack set, and nothing when unset', () => {
    expect(statefulOptionsFromEnv({})).toEqual({});
    expect(statefulOptionsFromEnv({ DETECT_LATENESS_MS: '1800000', FIRST_SEEN_MEMORY_MS: '604800000' })).toEqual({ latenessMs: 1_800_000, firstSeenMemoryMs: 604_800_000 });
  });

  it('refuses a value that is not a whole number of ms, naming the variable', () => {
    expect(() => statefulOptionsFromEnv({ DETECT_LATENESS_MS: '15m' })).toThrow('DETECT_LATENESS_MS: must be a whole number of milliseconds, got "15m"');
    expect(() => statefulOptionsFromEnv({ FIRST_SEEN_MEMORY_MS: '0' })).toThrow(/FIRST_SEEN_MEMORY_MS/);
  });
});
