/**
 * Property-based invariants over the real adapter and chart, driven by a
 * SimulatedClock and scripted sockets (see helpers/invariant-model.ts for the
 * commands and the invariants). A fixed seed and a fresh one per run
 * (helpers/seeds.ts): a failure prints its seed and path and the command that
 * replays it (HEARTLINE_SEED=<seed> HEARTLINE_FUZZ_PATH=<path>).
 * Long runs: `npm run fuzz -- --runs 100000`.
 */
import { describe, expect, it } from 'vitest'
import {
  emptyTotals,
  invariantProperty,
  runScenario,
  type Scenario,
} from './helpers/invariant-model.js'
import type { ScriptedSocket, SocketRegistry } from './helpers/scripted-socket.js'
import { checkSeeded, seedRuns } from './helpers/seeds.js'

const RECONNECT = {
  initialDelay: 10,
  maxDelay: 100,
  factor: 2,
  jitter: 'none' as const,
  maxAttempts: Number.POSITIVE_INFINITY,
  stableAfter: 50,
}

const RUNS = Number(process.env.HEARTLINE_FUZZ_RUNS ?? 2000)

describe('invariants under random faults', () => {
  it.each(seedRuns(20261125, RUNS))(
    'hold over $runs random command sequences ($kind seed $seed)',
    async (run) => {
      const totals = emptyTotals()
      await checkSeeded(invariantProperty(totals), run, 'test/invariants.test.ts')
      expect(totals.scenarios).toBe(run.runs)
      // The sequences really exercise the paths that matter.
      expect(totals.sent).toBeGreaterThan(run.runs)
      expect(totals.delivered).toBeGreaterThan(0)
      expect(totals.dropped).toBeGreaterThan(0)
      expect(totals.sockets).toBeGreaterThan(run.runs)
    },
  )

  // The model must be able to fail: break the world on purpose and expect it to notice.
  const world: Scenario = {
    config: {
      heartbeat: false,
      reconnect: false,
      connectTimeout: 1000,
      closeTimeout: 100,
      queue: { max: 10, overflow: 'reject' },
      policy: 'always',
      terminate: false,
      randomSeed: 1,
      sendInListeners: false,
      syncClose: false,
      reentry: 'none',
    },
    commands: [
      { t: 'send' },
      { t: 'open', target: -1 },
      { t: 'send' },
      { t: 'advance', ms: 10 },
      { t: 'send' },
    ],
  }

  it('the untouched world passes', async () => {
    await expect(runScenario(world)).resolves.toBeUndefined()
  })

  it('a URL that resolves after its attempt was abandoned opens nothing', async () => {
    let registry: SocketRegistry | undefined
    await runScenario(
      {
        config: { ...world.config, reconnect: { ...RECONNECT }, url: 'deferred' },
        commands: [
          { t: 'advance', ms: 1001 }, // connectTimeout: attempt 0 abandoned, its URL still pending
          { t: 'advance', ms: 10 }, // attempt 1 starts and asks for a URL
          { t: 'resolveUrl', target: 0, outcome: 'ok' }, // attempt 0's URL arrives late
          { t: 'send' },
          { t: 'resolveUrl', target: -1, outcome: 'ok' },
          { t: 'open', target: -1 },
        ],
      },
      undefined,
      (_conn, r) => {
        registry = r
      },
    )
    expect(registry?.sockets).toHaveLength(1)
    expect(registry?.sockets[0]?.sent.map((s) => s.data)).toEqual(['m0'])
  })

  it('a window without a navigator: offline, close(), online unheard while closed, reconnect() against a server that is down still retries', async () => {
    await expect(
      runScenario({
        config: { ...world.config, reconnect: { ...RECONNECT }, navigator: false },
        commands: [
          { t: 'open', target: -1 },
          { t: 'offline' },
          { t: 'close', code: 1000, reason: undefined },
          { t: 'advance', ms: 101 }, // closeTimeout: closed
          { t: 'online' },
          { t: 'reconnect' },
          { t: 'serverClose', target: -1, code: 1006 }, // the server is down
          { t: 'advance', ms: 10 }, // the backoff timer starts the next attempt
          { t: 'open', target: -1 },
        ],
      }),
    ).resolves.toBeUndefined()
  })

  it('a socket refused unread (1013) sends its messages again on the next socket, once and in order', async () => {
    let registry: SocketRegistry | undefined
    await runScenario(
      {
        config: { ...world.config, reconnect: { ...RECONNECT } },
        commands: [
          { t: 'send' },
          { t: 'send' },
          { t: 'open', target: -1 },
          { t: 'send' },
          { t: 'serverClose', target: -1, code: 1013 },
          { t: 'advance', ms: 10 },
          { t: 'open', target: -1 },
          { t: 'message', target: -1, pong: false },
          { t: 'serverClose', target: -1, code: 1013 }, // heard first: nothing comes back
          { t: 'advance', ms: 100 },
          { t: 'open', target: -1 },
        ],
      },
      undefined,
      (_conn, r) => {
        registry = r
      },
    )
    const sent = registry?.sockets.map((s) => s.sent.map((w) => w.data))
    expect(sent).toEqual([['m0', 'm1', 'm2'], ['m0', 'm1', 'm2'], []])
  })

  it('notices a second live socket', async () => {
    await expect(
      runScenario(world, undefined, (_conn, registry, step) => {
        if (step === 3) new registry.WebSocket('ws://fuzz.invalid/other')
      }),
    ).rejects.toThrow(/socket 1 created while socket\(s\) 0 still live/)
  })

  it('notices a socket opened during the long wait after close()', async () => {
    await expect(
      runScenario(world, undefined, (_conn, registry, step) => {
        // A socket that was opened and failed while nobody looked: no live one is left.
        if (step === world.commands.length)
          (new registry.WebSocket('ws://fuzz.invalid/late') as unknown as ScriptedSocket).fireClose(
            1006,
          )
      }),
    ).rejects.toThrow(/activity after close\(\)/)
  })

  it('notices a message swallowed without a drop event', async () => {
    await expect(
      runScenario(world, undefined, (conn, _registry, step) => {
        if (step === 0) conn.send = () => true
      }),
    ).rejects.toThrow(/1 sent but 0 delivered \+ 0 dropped \+ 0 queued/)
  })

  it('notices a reconnect timer left running in open', async () => {
    await expect(
      runScenario(
        { ...world, config: { ...world.config, reconnect: { ...RECONNECT } } },
        undefined,
        (conn, _registry, step) => {
          // Forge a second scheduled reconnect next to the chart's own.
          if (step === 4 && conn.state === 'open')
            conn.actor.system.scheduler.schedule(
              conn.actor,
              conn.actor,
              { type: 'xstate.after.reconnectDelay.heartline.waitingToReconnect' },
              50,
              'forged',
            )
        },
      ),
    ).rejects.toThrow(/reconnect timer pending in open/)
  })
})
