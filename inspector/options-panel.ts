/**
 * The options editor: the fields of `ConnectionOptions` the chart's timers come
 * from, preset by URL parameters (`?heartbeat.interval=300`), the defaults, or
 * the classic recipe (`presets.seed`). Text goes to the library as typed, so its
 * own validation speaks.
 */
import { type ConnectionOptions, DEFAULTS, presets } from '../src/index.js'
import { $, h } from './dom.js'

interface Field {
  name: string
  label: string
  kind: 'number' | 'jitter'
}
const FIELDS: Field[] = [
  { name: 'heartbeat.interval', label: 'heartbeat.interval (ms)', kind: 'number' },
  { name: 'heartbeat.timeout', label: 'heartbeat.timeout (ms)', kind: 'number' },
  { name: 'reconnect.initialDelay', label: 'reconnect.initialDelay (ms)', kind: 'number' },
  { name: 'reconnect.maxDelay', label: 'reconnect.maxDelay (ms)', kind: 'number' },
  { name: 'reconnect.factor', label: 'reconnect.factor', kind: 'number' },
  { name: 'reconnect.jitter', label: 'reconnect.jitter', kind: 'jitter' },
  { name: 'reconnect.maxAttempts', label: 'reconnect.maxAttempts', kind: 'number' },
  { name: 'reconnect.stableAfter', label: 'reconnect.stableAfter (ms)', kind: 'number' },
  { name: 'connectTimeout', label: 'connectTimeout (ms)', kind: 'number' },
  { name: 'closeTimeout', label: 'closeTimeout (ms)', kind: 'number' },
]

function defaultOf(name: string): string {
  const [a, b] = name.split('.') as [string, string | undefined]
  const section = (DEFAULTS as unknown as Record<string, unknown>)[a]
  const value = b === undefined ? section : (section as Record<string, unknown>)[b]
  return String(value)
}

function fieldInput(name: string): HTMLInputElement | HTMLSelectElement {
  return $(`opt-${name.replace('.', '-')}`) as HTMLInputElement | HTMLSelectElement
}

export function setFields(values: Record<string, string>): void {
  for (const f of FIELDS) fieldInput(f.name).value = values[f.name] ?? defaultOf(f.name)
}

/** The form as ConnectionOptions. */
export function readOptions(): ConnectionOptions {
  const heartbeat: Record<string, unknown> = {}
  const reconnect: Record<string, unknown> = {}
  const top: Record<string, unknown> = {}
  for (const f of FIELDS) {
    const raw = fieldInput(f.name).value.trim()
    const value =
      f.kind === 'jitter'
        ? raw
        : raw === ''
          ? undefined
          : /^[+-]?infinity$/i.test(raw)
            ? Number.POSITIVE_INFINITY
            : Number.isNaN(Number(raw))
              ? raw
              : Number(raw)
    const [a, b] = f.name.split('.') as [string, string | undefined]
    if (b === undefined) top[a] = value
    else if (a === 'heartbeat') heartbeat[b] = value
    else reconnect[b] = value
  }
  return { ...top, heartbeat, reconnect } as ConnectionOptions
}

/** Builds the form; `apply` makes a new connection from it. */
export function initOptionsPanel(apply: () => void): void {
  const params = new URLSearchParams(location.search)
  const host = $('options-fields')
  host.append(h('legend', { class: 'sr-only' }, 'Connection options'))
  for (const f of FIELDS) {
    const id = `opt-${f.name.replace('.', '-')}`
    const input =
      f.kind === 'jitter'
        ? h('select', { id, name: f.name }, h('option', {}, 'full'), h('option', {}, 'none'))
        : h('input', { id, name: f.name, type: 'text', inputmode: 'decimal', size: '7' })
    input.value = params.get(f.name) ?? defaultOf(f.name)
    host.append(h('label', { for: id }, f.label), input)
  }
  $('options-form').addEventListener('submit', (e) => {
    e.preventDefault()
    apply()
  })
  $('preset-seed').addEventListener('click', () => {
    const seed = presets.seed
    setFields({
      'heartbeat.interval': String(seed.heartbeat.interval),
      'heartbeat.timeout': String(seed.heartbeat.timeout),
      'reconnect.initialDelay': String(seed.reconnect.initialDelay),
      'reconnect.maxDelay': String(seed.reconnect.maxDelay),
      'reconnect.factor': String(seed.reconnect.factor),
      'reconnect.jitter': seed.reconnect.jitter,
    })
    apply()
  })
  $('preset-defaults').addEventListener('click', () => {
    setFields({})
    apply()
  })
}
