// Keeps an Auto Scaling lifecycle action alive while its node drains: a heartbeat every
// `intervalSeconds` until stopped or until `untilSeconds` after the start (then the hook's own
// timeout takes over). A failed heartbeat is logged and counted, and the next one is still tried.
import { LifecycleActionGoneError, type LifecycleActions } from '../aws/lifecycle.ts';
import type { LifecycleActionRef } from '../events/types.ts';
import type { Logger } from '../observe/logger.ts';

export interface HeartbeatOptions {
  lifecycle: LifecycleActions;
  hook: LifecycleActionRef;
  instanceId: string;
  intervalSeconds: number;
  untilSeconds: number;
  logger: Logger;
  onBeat?: (outcome: 'ok' | 'error' | 'gone') => void;
}

/** Starts heartbeating; call the returned function to stop. */
export function startHeartbeats(options: HeartbeatOptions): () => void {
  const started = Date.now();
  let stopped = false;
  let beating = false;
  const beat = async (): Promise<void> => {
    // A slow call must not overlap the next: AWS counts the latest heartbeat only anyway.
    if (stopped || beating) return;
    if (Date.now() - started >= options.untilSeconds * 1000) {
      options.logger.info('heartbeat limit reached; the lifecycle hook timeout now applies');
      stop();
      return;
    }
    beating = true;
    try {
      await options.lifecycle.heartbeat(options.hook, options.instanceId);
      options.onBeat?.('ok');
      options.logger.debug('lifecycle heartbeat recorded');
    } catch (error) {
      if (error instanceof LifecycleActionGoneError) {
        options.onBeat?.('gone');
        options.logger.warn({ err: error }, 'lifecycle action is no longer active; heartbeats stop');
        stop();
        return;
      }
      options.onBeat?.('error');
      options.logger.warn({ err: error }, 'lifecycle heartbeat failed; will try again');
    } finally {
      beating = false;
    }
  };
  const timer = setInterval(() => void beat(), options.intervalSeconds * 1000);
  function stop(): void {
    stopped = true;
    clearInterval(timer);
  }
  return stop;
}
