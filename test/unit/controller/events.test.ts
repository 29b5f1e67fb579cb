import { KubeConfig, type CoreV1Event } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import { AGGREGATION_WINDOW_MS, KubernetesEventRecorder, type EventSink } from '../../../src/controller/events.ts';
import { createLogger } from '../../../src/log.ts';
import { phoneNumber } from './support/fakes.ts';

/** Keeps Events in memory the way the API server would, and lists every write. */
class MemorySink implements EventSink {
  readonly events = new Map<string, CoreV1Event>();
  readonly writes: string[] = [];
  private next = 0;

  async create(namespace: string, event: CoreV1Event): Promise<string> {
    // Yields first, like a request, so that concurrent records overlap.
    await Promise.resolve();
    this.next += 1;
    const name = `${event.metadata?.generateName ?? ''}${this.next}`;
    this.events.set(`${namespace}/${name}`, structuredClone(event));
    this.writes.push(`create ${name}`);
    return name;
  }

  async updateCount(namespace: string, name: string, count: number, lastTimestamp: Date): Promise<boolean> {
    await Promise.resolve();
    const event = this.events.get(`${namespace}/${name}`);
    if (event === undefined) return false;
    this.events.set(`${namespace}/${name}`, { ...event, count, lastTimestamp });
    this.writes.push(`patch ${name} count=${count}`);
    return true;
  }
}

function recorder(): { sink: MemorySink; events: KubernetesEventRecorder; clock: { ms: number } } {
  const sink = new MemorySink();
  const clock = { ms: Date.parse('2026-07-01T12:00:00Z') };
  const events = new KubernetesEventRecorder(new KubeConfig(), createLogger({ level: 'silent' }), { sink, now: () => new Date(clock.ms) });
  return { sink, events, clock };
}

const line = phoneNumber('line', { e164: '+14155550100' });

describe('KubernetesEventRecorder', () => {
  it('counts repeats on one Event', async () => {
    const { sink, events, clock } = recorder();

    for (let i = 0; i < 3; i += 1) {
      await events.record(line, 'Warning', 'VobizError', 'Failed to assign');
      clock.ms += 2_000;
    }

    expect(sink.writes).toEqual(['create line.1', 'patch line.1 count=2', 'patch line.1 count=3']);
    const event = sink.events.get('default/line.1');
    expect(event?.count).toBe(3);
    expect(event?.lastTimestamp).toEqual(new Date(Date.parse('2026-07-01T12:00:04Z')));
    expect(event?.firstTimestamp).toEqual(new Date(Date.parse('2026-07-01T12:00:00Z')));
  });

  it('keeps different messages apart', async () => {
    const { sink, events } = recorder();

    await events.record(line, 'Warning', 'VobizError', 'first');
    await events.record(line, 'Warning', 'VobizError', 'second');
    await events.record(line, 'Normal', 'VobizError', 'first');

    expect(sink.writes).toEqual(['create line.1', 'create line.2', 'create line.3']);
  });

  it('keeps different objects apart', async () => {
    const { sink, events } = recorder();
    const other = phoneNumber('other', { e164: '+14155550101' });

    await events.record(line, 'Normal', 'Purchased', 'Vobiz confirmed');
    await events.record(other, 'Normal', 'Purchased', 'Vobiz confirmed');

    expect(sink.writes).toEqual(['create line.1', 'create other.2']);
  });

  it('starts a new Event after the window', async () => {
    const { sink, events, clock } = recorder();

    await events.record(line, 'Warning', 'VobizError', 'Failed to assign');
    clock.ms += AGGREGATION_WINDOW_MS;
    await events.record(line, 'Warning', 'VobizError', 'Failed to assign');

    expect(sink.writes).toEqual(['create line.1', 'create line.2']);
  });

  it('creates the Event again once the API server deleted it', async () => {
    const { sink, events } = recorder();

    await events.record(line, 'Warning', 'VobizError', 'Failed to assign');
    sink.events.clear();
    await events.record(line, 'Warning', 'VobizError', 'Failed to assign');

    expect(sink.writes).toEqual(['create line.1', 'create line.2']);
    expect(sink.events.get('default/line.2')?.count).toBe(1);
  });

  it('writes concurrent repeats one after another', async () => {
    const { sink, events } = recorder();

    await Promise.all([1, 2, 3].map(() => events.record(line, 'Warning', 'VobizError', 'Failed to assign')));

    expect(sink.writes).toEqual(['create line.1', 'patch line.1 count=2', 'patch line.1 count=3']);
  });

  it('drops an Event it cannot write', async () => {
    const { sink, events } = recorder();
    sink.create = async () => {
      throw new Error('forbidden');
    };

    await expect(events.record(line, 'Warning', 'VobizError', 'Failed to assign')).resolves.toBeUndefined();
  });
});
