/**
 * After an action: re-run the affected layers of the offer's diagnosis and say, in one
 * message, what they find now (e.g. "Suppression list: pass: alice is not suppressed").
 */
import { LAYER_TITLES, type Layer } from '../core/finding.js';
import { type DiagnosisServices, diagnose } from '../compose.js';
import type { RemediationOffer } from './offers.js';

export function createLayerRechecker(services: DiagnosisServices): (offer: RemediationOffer, layers: Layer[]) => Promise<string | undefined> {
  return async (offer, layers) => {
    if (!offer.target) return undefined;
    const report = await diagnose(offer.target, services, { layers, trigger: 'recheck' });
    const lines = layers.flatMap((layer) => {
      const summary = report.layers.find((l) => l.layer === layer);
      const findings = report.findings.filter((f) => f.layer === layer && f.status !== 'skipped');
      return [
        `*${LAYER_TITLES[layer]}* now: ${summary?.status ?? 'skipped'}`,
        ...findings.slice(0, 5).map((f) => `• ${f.status}: ${f.title}: ${f.summary}`),
      ];
    });
    return `Re-checked after the change (run ${report.runId}):\n${lines.join('\n')}`;
  };
}
