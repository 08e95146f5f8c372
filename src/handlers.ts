/**
 * The `on<type>` handler attributes, as HTML defines event handler IDL
 * attributes: a value that is not an object reads back as null; the first
 * handler set takes a place among the listeners (one listener per type, kept
 * while a handler is set) and a later handler runs in that same place; setting
 * null gives the place up; `this` is the target; returning false cancels.
 */
export interface Slot {
  value: object
  listener: (event: Event) => void
}

/** Each handler's listener → its slot, so a direct delivery can call the handler itself. */
export const slots = new WeakMap<object, Slot>()

export class HandlerSlots {
  readonly #slots: Record<string, Slot | undefined> = {}
  readonly #target: EventTarget

  constructor(target: EventTarget) {
    this.#target = target
  }

  get(type: string): object | null {
    return this.#slots[type]?.value ?? null
  }

  set(type: string, value: unknown): void {
    const slot = this.#slots[type]
    if (typeof value !== 'function' && (typeof value !== 'object' || value === null)) {
      if (slot === undefined) return
      this.#slots[type] = undefined
      this.#target.removeEventListener(type, slot.listener)
      return
    }
    if (slot !== undefined) {
      slot.value = value
      return
    }
    const target = this.#target
    const fresh: Slot = {
      value,
      listener: (event) => {
        const handler = fresh.value
        if (typeof handler === 'function' && handler.call(target, event) === false)
          event.preventDefault()
      },
    }
    this.#slots[type] = fresh
    slots.set(fresh.listener, fresh)
    target.addEventListener(type, fresh.listener)
  }
}
