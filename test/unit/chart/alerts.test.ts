/**
 * The alert rules in charts/vobiz-operator/files/alerts.yaml: the alerts operators rely on
 * exist, use metrics the operator exports, and each has a promtool unit test that fires it and
 * one that keeps it quiet. promtool itself runs in the integration tests.
 */
import { readFileSync } from 'node:fs';

import { load as loadYaml } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';

import { ALERT_TESTS_FILE, metricNamesIn, readAlertRules, type AlertRule } from '../../integration/chart/support/monitoring.ts';
import { exportedSeriesNames } from './operator-metrics.ts';

interface PromtoolTests {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

const rules: AlertRule[] = readAlertRules().groups.flatMap((group) => group.rules);
const promtoolTests = loadYaml(readFileSync(ALERT_TESTS_FILE, 'utf8')) as PromtoolTests;

describe('alert rules', () => {
  let exported: Set<string>;

  beforeAll(async () => {
    exported = await exportedSeriesNames();
  });

  it('cover drift, errors, sweeps, cool-off, Vobiz, leadership and budget', () => {
    expect(rules.map((rule) => rule.alert).sort()).toEqual([
      'VobizOperatorCoolOffOverdue',
      'VobizOperatorDriftPersisting',
      'VobizOperatorNoLeader',
      'VobizOperatorPurchaseBudgetExhausted',
      'VobizOperatorReconcileErrors',
      'VobizOperatorSweepStale',
      'VobizOperatorVobizRateLimited',
      'VobizOperatorVobizServerErrors',
    ]);
  });

  it('alert on drift after 15 minutes', () => {
    const drift = rules.find((rule) => rule.alert === 'VobizOperatorDriftPersisting');
    expect(drift?.for).toBe('15m');
  });

  for (const rule of rules) {
    describe(rule.alert, () => {
      it('has a severity, summary and description', () => {
        expect(['critical', 'warning', 'info']).toContain(rule.labels?.severity);
        expect(rule.annotations?.summary).toMatch(/\.$/);
        expect(rule.annotations?.description?.length).toBeGreaterThan(40);
      });

      it('names the operator namespace and a first step', () => {
        // The namespace label is the operator's (from the scrape), not the PhoneNumbers'.
        expect(rule.annotations?.summary).toContain('vobiz-operator in {{ $labels.namespace }}');
        expect(rule.annotations?.description).toContain('vobiz-operator in namespace {{ $labels.namespace }}');
        expect(rule.annotations?.description).not.toMatch(/PhoneNumbers in \{\{ \$labels\.namespace/);
        expect(rule.annotations?.description).toMatch(/\bFirst /);
      });

      it('groups by namespace and job', () => {
        expect(rule.expr).toMatch(/by \(namespace, job/);
      });

      it('uses only exported metrics', () => {
        const names = metricNamesIn([rule.expr]);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) {
          expect(exported.has(name), `${name} is not a metric the operator exports`).toBe(true);
        }
      });

      it('has a promtool case that fires it', () => {
        const firing = promtoolTests.tests.filter((test) => test.alert_rule_test?.some((check) => check.alertname === rule.alert && check.exp_alerts.length > 0));
        expect(firing.map((test) => test.name)).not.toEqual([]);
      });

      it('has a promtool case that keeps it quiet', () => {
        const quiet = promtoolTests.tests.filter((test) => test.alert_rule_test?.some((check) => check.alertname === rule.alert && check.exp_alerts.length === 0));
        expect(quiet.map((test) => test.name)).not.toEqual([]);
      });
    });
  }

  it('are the only rules the promtool tests read', () => {
    expect(promtoolTests.rule_files).toEqual(['../files/alerts.yaml']);
  });
});
