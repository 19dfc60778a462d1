/**
 * The peers, as a user would set them up: the official `openai` SDK alone (its default 2
 * retries), behind p-queue at the RPM (it counts jobs, so it cannot take a TPM), and behind
 * bottleneck with `minTime` at the RPM and a reservoir of tokens refilled at the TPM, each job
 * weighted by the user's rule-of-thumb estimate (4 characters a token + max_tokens). Told nothing,
 * the throttles assume OpenAI's tier 1.
 */
import Bottleneck from 'bottleneck';
import PQueue from 'p-queue';
import { estimatedTokens } from '../load/workload.js';
import { PEER_DEFAULT_TIER, sdkCall, type Subject } from './subject.js';

export const sdkAlone: Subject = {
  id: 'sdk',
  label: 'openai SDK alone (2 retries)',
  ours: false,
  open(target) {
    return { call: sdkCall(target), close: async () => undefined };
  },
};

export const sdkWithPQueue: Subject = {
  id: 'p-queue',
  label: 'SDK + p-queue',
  ours: false,
  open(target) {
    const send = sdkCall(target);
    const { requestsPerMinute } = target.told ?? PEER_DEFAULT_TIER;
    // Whole requests per second, rounded down so that the queue never runs above the RPM.
    const queue = new PQueue({ intervalCap: Math.max(1, Math.floor(requestsPerMinute / 60)), interval: 1000 });
    return {
      call: (signal) => queue.add(() => send(signal), { signal }),
      close: async () => queue.clear(),
    };
  },
};

export const sdkWithBottleneck: Subject = {
  id: 'bottleneck',
  label: 'SDK + bottleneck',
  ours: false,
  open(target) {
    const send = sdkCall(target);
    const limits = target.told ?? PEER_DEFAULT_TIER;
    // The reservoir holds the told burst of tokens, or a minute's worth when no burst is known.
    const reservoir = limits.burst?.tokens ?? limits.tokensPerMinute;
    const limiter = new Bottleneck({
      minTime: 60_000 / limits.requestsPerMinute,
      reservoir,
      reservoirIncreaseAmount: limits.tokensPerMinute / 60,
      reservoirIncreaseInterval: 1000,
      reservoirIncreaseMaximum: reservoir,
    });
    const weight = estimatedTokens(target.workload.prompt, target.workload.maxTokens);
    return {
      call: (signal) => limiter.schedule({ weight }, () => send(signal)),
      // Waiting jobs are dropped (they are counted unfinished before this runs).
      close: () => limiter.stop({ dropWaitingJobs: true }).catch(() => undefined),
    };
  },
};
