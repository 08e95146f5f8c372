/**
 * The fault tests' TCP proxy: the one the inspector's demo server uses
 * (`inspector/fault-proxy.ts`), plus `waitFor`, which re-checks a condition
 * whenever a link changes, and `retarget`, which moves later links to another server.
 */
import {
  FaultProxy as BaseFaultProxy,
  type FaultProxyOptions,
} from '../../inspector/fault-proxy.js'
import { waitFor } from './wait.js'

export { Link, type ProxyMode } from '../../inspector/fault-proxy.js'

export class FaultProxy extends BaseFaultProxy {
  /** A proxy on 127.0.0.1, port 0, in front of `127.0.0.1:targetPort`; closed links stay in `links`. */
  static override async start(
    targetPort: number,
    options: FaultProxyOptions = {},
  ): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetPort, options.keepClosed ?? true)
    await proxy.listen(options.port ?? 0, options.host ?? '127.0.0.1')
    return proxy
  }

  /** Later connections go to `port` (a client moved to another server behind one address). */
  retarget(port: number): void {
    this.targetPort = port
  }

  /** Resolves with the first truthy value of `check`, re-checked whenever a link changes. */
  waitFor<T>(check: () => T | undefined | false, what: string, timeout = 10_000): Promise<T> {
    return waitFor(check, what, timeout, (wake) => this.onChange(wake))
  }
}
