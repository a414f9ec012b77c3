// Dashboard overrides for slo-engine: a platform team's house style on every generated dashboard.
//
// Contract: this file evaluates to a function(dashboard, slo) that returns the dashboard to write.
//   dashboard  the generated Grafana dashboard, as JSON
//   slo        { name, service, uid, file }: the SLO's name and service (both null for the overview
//              dashboard), the dashboard's uid, and its output path ("day/day-api-availability.json",
//              "overview.json")
// slo-engine calls it once per dashboard. It may import files relative to its own directory.
//
// The arguments are passed by name, as jsonnet's --tla-code does, so the file can be tried with the
// jsonnet CLI on a generated dashboard:
//   jsonnet --tla-code-file dashboard=dashboards-out/overview.json \
//     --tla-code 'slo={name: null, service: null, uid: "slo-overview", file: "overview.json"}' \
//     examples/dashboard-overrides.jsonnet

local team = 'payments-platform';
local runbookIndex = 'https://runbooks.example.com/payments-platform/';

local maxOf(numbers) = std.foldl(std.max, numbers, 0);

// Lowest edge of the existing panels: the new panel goes below all of them.
local bottom(panels) = maxOf([p.gridPos.y + p.gridPos.h for p in panels if std.objectHas(p, 'gridPos')]);

// Grafana wants panel ids unique within a dashboard.
local nextId(panels) = maxOf([p.id for p in panels if std.objectHas(p, 'id')]) + 1;

function(dashboard, slo)
  local panels = if std.objectHas(dashboard, 'panels') then dashboard.panels else [];
  dashboard {
    tags+: [team],
    refresh: '5m',
    time: { from: 'now-7d', to: 'now' },
    links+: [{
      type: 'link',
      title: 'Runbooks',
      tooltip: 'Runbook index of ' + team,
      url: runbookIndex,
      icon: 'doc',
      targetBlank: true,
      asDropdown: false,
      includeVars: false,
      keepTime: false,
      tags: [],
    }],
    // SLO dashboards only: the overview (slo.name == null) keeps its panels as generated.
    panels+: if slo.name == null then [] else [{
      id: nextId(panels),
      type: 'text',
      title: 'Runbook',
      gridPos: { x: 0, y: bottom(panels), w: 24, h: 4 },
      options: {
        mode: 'markdown',
        content: 'Paged for **%s** (service %s)? Follow the [runbook](%s%s/%s.md).' % [slo.name, slo.service, runbookIndex, slo.service, slo.name],
      },
    }],
  }
