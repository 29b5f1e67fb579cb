/**
 * The Grafana dashboard in charts/vobiz-operator/files/dashboard.json: a dashboard Grafana 11
 * imports, whose every query goes through the `datasource` variable and names only metrics the
 * operator exports. promtool parses the queries in the integration tests.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { dashboardQueries, metricNamesIn, readDashboard, type Dashboard } from '../../integration/chart/support/monitoring.ts';
import { exportedSeriesNames } from './operator-metrics.ts';

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

describe('Grafana dashboard', () => {
  const dashboard: Dashboard = readDashboard();
  const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
  let exported: Set<string>;

  beforeAll(async () => {
    exported = await exportedSeriesNames();
  });

  it('has a stable uid and a current schema version', () => {
    expect(dashboard.uid).toBe('vobiz-operator');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
  });

  it('selects the Prometheus data source with a variable', () => {
    const variable = dashboard.templating.list.find((candidate) => candidate.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('queries through the datasource variable only', () => {
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual(DATASOURCE);
      for (const target of panel.targets ?? []) {
        expect(target.datasource, `${panel.title} ${target.refId}`).toEqual(DATASOURCE);
      }
    }
  });

  it('filters every query by namespace and job', () => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        for (const selector of target.expr.matchAll(/vobiz_operator_[a-z0-9_]+\{([^}]*)\}/g)) {
          expect(selector[1], `${panel.title}: ${target.expr}`).toContain('namespace=~"$namespace", job=~"$job"');
        }
        expect(target.expr, panel.title).toMatch(/vobiz_operator_[a-z0-9_]+\{/);
      }
    }
  });

  it('uses only exported metrics', () => {
    for (const name of metricNamesIn(dashboardQueries(dashboard))) {
      expect(exported.has(name), `${name} is not a metric the operator exports`).toBe(true);
    }
  });

  it('shows the metrics operators watch', () => {
    const names = metricNamesIn(dashboardQueries(dashboard));
    expect(names).toEqual(
      expect.arrayContaining([
        'vobiz_operator_numbers',
        'vobiz_operator_drift_detected_total',
        'vobiz_operator_cool_off_overdue_numbers',
        'vobiz_operator_monthly_fees',
        'vobiz_operator_vobiz_requests_total',
        'vobiz_operator_vobiz_request_duration_seconds_bucket',
        'vobiz_operator_last_complete_sweep_timestamp_seconds',
        'vobiz_operator_sweep_duration_seconds_bucket',
        'vobiz_operator_queue_depth',
        'vobiz_operator_reconcile_duration_seconds_bucket',
      ]),
    );
  });

  it('has unique panel ids', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lays panels out without overlap', () => {
    const cells = new Map<string, string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row += 1) {
        for (let column = x; column < x + w; column += 1) {
          const key = `${column},${row}`;
          expect(cells.get(key), `${panel.title} overlaps ${cells.get(key)}`).toBeUndefined();
          cells.set(key, panel.title);
        }
      }
    }
  });

  it('gives every panel a description', () => {
    for (const panel of panels) {
      expect(panel.description?.length, panel.title).toBeGreaterThan(10);
    }
  });
});
