import { describe, expect, test } from 'vitest';
import { rememberFound, type AggregateLookup } from '../../src/events/aggregate-lookup.js';

/** An owner that answers from `known`, counting its calls; `fail` makes its next answers reject. */
function fakeOwner(known: Record<string, string>) {
  const calls: string[] = [];
  const pending: { id: string; settle: () => void }[] = [];
  let failing = false;
  let held = false;
  const lookup: AggregateLookup<{ customerId: string }> = (id) => {
    calls.push(id);
    const answer = (): Promise<{ customerId: string } | undefined> =>
      failing
        ? Promise.reject(new Error(`owner answered 503 to a lookup of ${id}`))
        : Promise.resolve(known[id] === undefined ? undefined : { customerId: known[id] });
    if (!held) return answer();
    return new Promise((resolve, reject) => {
      pending.push({
        id,
        settle: () => {
          answer().then(resolve, reject);
        },
      });
    });
  };
  return {
    lookup,
    calls,
    fail: (value: boolean) => (failing = value),
    hold: (value: boolean) => (held = value),
    release: () => pending.splice(0).forEach((call) => call.settle()),
  };
}

describe('rememberFound', () => {
  test('When an aggregate was found, then later lookups of it are answered without asking the owner', async () => {
    const owner = fakeOwner({ 'order-1': 'ann' });
    const find = rememberFound(owner.lookup);

    expect(await find('order-1')).toEqual({ customerId: 'ann' });
    expect(await find('order-1')).toEqual({ customerId: 'ann' });
    expect(await find('order-1')).toEqual({ customerId: 'ann' });

    expect(owner.calls).toEqual(['order-1']);
  });

  test('When the owner does not know an aggregate, then the next lookup asks again and finds it once it exists', async () => {
    const known: Record<string, string> = {};
    const owner = fakeOwner(known);
    const find = rememberFound(owner.lookup);

    expect(await find('order-2')).toBeUndefined();
    known['order-2'] = 'bob';
    expect(await find('order-2')).toEqual({ customerId: 'bob' });

    expect(owner.calls).toEqual(['order-2', 'order-2']);
  });

  test('When two lookups of one id overlap and the owner fails, then one call is made, both fail, and the next lookup asks again', async () => {
    const owner = fakeOwner({ 'order-3': 'cy' });
    const find = rememberFound(owner.lookup);
    owner.fail(true);
    owner.hold(true);

    const first = find('order-3');
    const second = find('order-3');
    owner.release();

    await expect(first).rejects.toThrow('503');
    await expect(second).rejects.toThrow('503');
    expect(owner.calls).toEqual(['order-3']);

    owner.fail(false);
    owner.hold(false);
    expect(await find('order-3')).toEqual({ customerId: 'cy' });
    expect(owner.calls).toEqual(['order-3', 'order-3']);
  });

  test('When more aggregates are found than it keeps, then the least recently used is asked about again and the others are not', async () => {
    const owner = fakeOwner({ a: '1', b: '2', c: '3' });
    const find = rememberFound(owner.lookup, 2);

    await find('a');
    await find('b');
    await find('a'); // a is now the most recently used
    await find('c'); // evicts b
    owner.calls.length = 0;

    await find('a');
    await find('c');
    expect(owner.calls).toEqual([]);
    await find('b');
    expect(owner.calls).toEqual(['b']);
  });
});
