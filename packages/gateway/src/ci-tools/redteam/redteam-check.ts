// The shape of one red-team check: an id, a title, and a run that returns a
// CheckResult (ci-report.ts) with evidence per finding. A check that cannot
// apply (stdio has no HTTP auth, one identity cannot escalate) is skipped
// with the reason, never silently passed.

import type { CheckResult } from '../ci-report.ts';
import type { RedteamContext } from './redteam-context.ts';

export interface RedteamCheck {
  id: string;
  title: string;
  run(context: RedteamContext): Promise<CheckResult>;
}
