/**
 * The readiness answer: the status of getHealthStatus() with each service's detail. Ready (200)
 * while healthy or degraded, since some provider can still serve; 503 once none can.
 */
import { redactSecrets } from '../core/redact.js';
import type { HealthStatus, ServiceHealth } from '../policy/health.js';

/** Anything with the seeds' health check: a `Resilience`, a `UnifiedLLMClient`, or your own. */
export interface HealthSource {
  getHealthStatus(): HealthStatus;
}

export interface Readiness {
  readonly httpStatus: 200 | 503;
  readonly body: HealthStatus;
}

export function readinessOf(source: HealthSource): Readiness {
  let health: HealthStatus;
  try {
    health = source.getHealthStatus();
  } catch {
    // The error's text stays in the process: it could quote anything, a key included.
    return { httpStatus: 503, body: { status: 'unavailable', issues: ['health check failed'], servicesAvailable: [], services: {} } };
  }
  return { httpStatus: health.status === 'unavailable' ? 503 : 200, body: publicHealth(health) };
}

/**
 * A copy with only the documented fields and every issue redacted: issues quote store errors and
 * provider messages, which must never carry a key out.
 */
function publicHealth(health: HealthStatus): HealthStatus {
  const services: Record<string, ServiceHealth> = {};
  for (const [name, service] of Object.entries(health.services)) {
    services[name] = { available: service.available, circuitState: service.circuitState, queued: service.queued, issues: service.issues.map(redactSecrets) };
  }
  return { status: health.status, issues: health.issues.map(redactSecrets), servicesAvailable: [...health.servicesAvailable], services };
}
