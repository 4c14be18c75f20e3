import { invalidCostQuery, noWorkflowRuns } from '../tracing.messages.js';
import type { CostForecast, CostForecastQuery } from './cost.types.js';

/** Bounds of the run history behind forecasts. */
export interface WorkflowRunLimits {
  /** Most recent priced runs kept per workflow. */
  runsPerWorkflow: number;
  /** Workflows tracked; the least recently run one is forgotten first. */
  maxWorkflows: number;
}

/** Defaults: the last 1,000 runs of each of the 1,000 most recently run workflows. */
export const DEFAULT_RUN_LIMITS: WorkflowRunLimits = { runsPerWorkflow: 1000, maxWorkflows: 1000 };

interface RunHistory {
  /** Ring buffer of run costs in USD. */
  costs: number[];
  next: number;
  unpriced: number;
}

/** Recent per-run costs of each workflow, and forecasts from them (mean and nearest-rank p95). */
export class WorkflowRunStore {
  private readonly workflows = new Map<string, RunHistory>();
  /** The workflow recorded last: already last in `workflows`, so a run of it again needs no re-insert. */
  private latest: string | undefined;

  constructor(private readonly limits: WorkflowRunLimits = DEFAULT_RUN_LIMITS) {}

  /** One finished run; `costUsd` undefined when one of its calls had no price. */
  record(workflow: string, costUsd: number | undefined): void {
    let history = this.workflows.get(workflow);
    if (history) {
      // Re-insert so Map order is least recently run first (the latest one is already last).
      if (workflow !== this.latest) {
        this.workflows.delete(workflow);
        this.workflows.set(workflow, history);
      }
    } else {
      history = { costs: [], next: 0, unpriced: 0 };
      if (this.workflows.size >= this.limits.maxWorkflows) {
        this.workflows.delete(this.workflows.keys().next().value!);
      }
      this.workflows.set(workflow, history);
    }
    this.latest = workflow;
    if (costUsd === undefined || !Number.isFinite(costUsd) || costUsd < 0) {
      history.unpriced += 1;
      return;
    }
    if (history.costs.length < this.limits.runsPerWorkflow) history.costs.push(costUsd);
    else history.costs[history.next] = costUsd;
    history.next = (history.next + 1) % this.limits.runsPerWorkflow;
  }

  forecast(query: CostForecastQuery): CostForecast {
    const workflow: unknown = query?.workflow;
    const runs: unknown = query?.runs;
    if (typeof workflow !== 'string' || workflow === '') {
      throw new TypeError(invalidCostQuery('forecast', 'workflow', workflow, 'a workflow name (non-empty string)'));
    }
    if (typeof runs !== 'number' || !Number.isFinite(runs) || runs < 0) {
      throw new TypeError(invalidCostQuery('forecast', 'runs', runs, 'a finite number >= 0'));
    }
    const history = this.workflows.get(workflow);
    const unpricedRuns = history?.unpriced ?? 0;
    if (!history || history.costs.length === 0) {
      return { available: false, workflow, runs, observedRuns: 0, unpricedRuns, reason: noWorkflowRuns(workflow, unpricedRuns) };
    }
    const sorted = [...history.costs].sort((a, b) => a - b);
    let total = 0;
    for (const c of sorted) total += c;
    const meanRunUsd = total / sorted.length;
    const p95RunUsd = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
    return {
      available: true,
      workflow,
      runs,
      observedRuns: sorted.length,
      unpricedRuns,
      meanRunUsd,
      p95RunUsd,
      expectedUsd: meanRunUsd * runs,
      p95Usd: p95RunUsd * runs,
    };
  }
}
