import { bundleFacts, bundleSeries, OWN_NO_TRAFFIC_METHOD } from './catalogue';
import { alertGroup, byHome, withScope, type CompiledSlo } from './compile';
import type { RecordingRule, RuleFile, RuleGroup } from './model';
import { GROUP, INTERVAL, SHARED_GROUPS } from './names';

/**
 * The shared rule layout (`slo compile --layout shared`). Every series of the catalogue that reads only recorded
 * series (window error ratios, roll-ups, burn rate, no-traffic flag, budget remaining, coverage) is one rule for
 * all SLOs of the compile (the bundle) instead of one per objective, the constants too; every SLO's building
 * blocks, which read the raw metrics, are a rule each in one group of the file, and each SLO's own file keeps its
 * alerts. Prometheus pays per rule and, several times more, per group, so this costs a fraction of the per-SLO layout.
 * The shared rules select the bundle's own objectives by name and service, so two bundles loaded into one
 * Prometheus never read or record each other's series. The series and labels are the same as in the per-SLO
 * layout; window ratios trail the building blocks by up to one evaluation because they sit in another group.
 */
export class SharedLayout {
  private readonly windows = new Set<number>();
  private readonly periods = new Set<number>();
  /** Service → the slo_name of each of its objectives in the bundle. */
  private readonly objectives = new Map<string, string[]>();
  private ownNoTraffic = false;
  private readonly constants: RecordingRule[] = [];
  /** Each SLO's building blocks, by [service, name]. */
  private readonly blocks = new Map<string, RecordingRule[]>();
  private slos = 0;
  /** The compile's scope (every SLO of a compile has the same). */
  private scope: Record<string, string> = {};

  /**
   * The SLO's own part of the rules: its alerts, in one group. Its building blocks (plus a time-sliced SLO's
   * no-traffic flag) join the bundle's blocks group, evaluated before the shared windows: Prometheus pays per group
   * evaluation several times what it pays per rule in it (measured on 2.42: 200 rules took 42 ms per round in 100
   * groups, 29 ms in 50, 13 ms in one), and a group holding both blocks and alerts would make the alerts read
   * ratios one evaluation old, which a test stepping more than the 5m look-back (a 90-day SLO's) never sees.
   */
  add(c: CompiledSlo): CompiledSlo {
    this.slos++;
    this.scope = c.scope;
    if (c.slo.budgetingMethod === OWN_NO_TRAFFIC_METHOD) this.ownNoTraffic = true;
    const names = this.objectives.get(c.slo.service) ?? [];
    this.objectives.set(c.slo.service, names);
    for (const o of c.objectives) {
      names.push(o.sloName);
      for (const w of o.windows) this.windows.add(w);
      this.periods.add(o.periodMinutes);
    }
    for (const p of c.series) if (p.constant) this.constants.push(p.rule);
    const home = byHome(c.series.filter((p) => !p.shared));
    this.blocks.set(JSON.stringify([c.slo.service, c.slo.name]), [...home.sli, ...home.rollup, ...home.period]);
    const groups: RuleGroup[] = c.alerts.length ? [alertGroup(c.slo, c.alerts)] : [];
    return { ...c, rules: { groups } };
  }

  /**
   * The shared groups as they are for this SLO alone: what its generated tests load instead of the bundle's file.
   * The same rules (its blocks and constants, and the shared rules built by the same code for a bundle of one),
   * without every other SLO's: with the bundle's file, each SLO's test evaluated all of them at every step, so a
   * test's work grew with the bundle (measured: one SLO's tests in a 200-SLO bundle ran over 13 minutes, alone 4 s).
   */
  static alone(c: CompiledSlo): RuleFile {
    const layout = new SharedLayout();
    layout.add(c);
    return layout.file();
  }

  /** How many SLOs the shared groups serve. */
  get size(): number {
    return this.slos;
  }

  /** The shared groups for every SLO added so far; the same SLOs in any order give the same file. */
  file(): RuleFile {
    const home = byHome(
      bundleSeries(
        bundleFacts(this.objectives, {
          windows: [...this.windows].sort((a, b) => a - b),
          periods: [...this.periods].sort((a, b) => a - b),
          ownNoTraffic: this.ownNoTraffic,
          constants: this.constants,
        }),
      ),
    );
    const content: Record<(typeof SHARED_GROUPS)[number], Omit<RuleGroup, 'name'>> = {
      [GROUP.sharedConstants]: { interval: INTERVAL.sli, rules: home.constants },
      [GROUP.sharedBlocks]: { interval: INTERVAL.sli, rules: [...this.blocks.keys()].sort().flatMap((k) => this.blocks.get(k)!) },
      [GROUP.sharedWindows]: { interval: INTERVAL.sli, rules: home.sli },
      [GROUP.sharedRollup]: { interval: INTERVAL.rollup, rules: home.rollup },
      [GROUP.sharedPeriod]: { interval: INTERVAL.period, rules: home.period },
    };
    return withScope(
      {
        groups: SHARED_GROUPS.map((name) => ({ name, ...content[name] })),
      },
      this.scope,
    );
  }
}
