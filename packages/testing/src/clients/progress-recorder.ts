// Collects the progress updates of one call in the order they arrived, for
// the `onprogress` option both SDKs take (the SDK sets the progressToken and
// routes the call's notifications/progress here, 2025-11-25 basic/utilities/progress).

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export interface ProgressRecorder {
  readonly updates: ProgressUpdate[];
  readonly onprogress: (update: ProgressUpdate) => void;
}

export function recordProgress(): ProgressRecorder {
  const updates: ProgressUpdate[] = [];
  return {
    updates,
    onprogress: (update) => {
      updates.push({
        progress: update.progress,
        ...(update.total !== undefined && { total: update.total }),
        ...(update.message !== undefined && { message: update.message }),
      });
    },
  };
}
