import type { Config } from '../../config/config';
import type { ProctoringAdapter } from './adapter';
import { LocalProctoringAdapter } from './local';

/** The adapter PROCTORING_ADAPTER names, for the API and the worker alike. */
export function createProctoringAdapter(config: Config['proctoring']): ProctoringAdapter {
  switch (config.adapter) {
    case 'local':
      return new LocalProctoringAdapter(config.localDir);
  }
}
