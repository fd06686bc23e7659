import { describe, expect, it } from 'vitest';
import { LAYER_MODULES } from '../../src/checks/index.js';
import { LAYERS } from '../../src/core/finding.js';

describe('layer registry', () => {
  it('lists every layer once, in delivery-path order', () => {
    expect(LAYER_MODULES.map((m) => m.layer)).toEqual([...LAYERS]);
  });

  it.each(LAYER_MODULES.flatMap((module) => module.checks.map((check) => [`${module.layer}.${check.id}`, module, check] as const)))(
    '%s follows the check contract',
    (_name, module, check) => {
      expect(check.layer).toBe(module.layer);
      expect(check.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(check.title.length).toBeGreaterThan(3);
      expect(typeof check.run).toBe('function');
      if (['relay', 'ses', 'suppression'].includes(module.layer)) expect(check.requires).toContain('aws');
    },
  );

  it('has unique check ids within each layer', () => {
    for (const module of LAYER_MODULES) {
      const ids = module.checks.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});
