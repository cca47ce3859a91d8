import type { RegistryConfig } from '../core/registry/types';

/**
 * Each setting's type and default, stated once. They equal package.json's contributes.configuration
 * defaults (checked by test/unit/settings.test.ts). No `vscode` import, so the test runs on plain Node.
 */
export interface Settings {
  pythonPath: string;
  trainingScripts: string[];
  captureData: boolean;
  maskSecrets: boolean;
  registries: RegistryConfig[];
  'autolog.frameworks': boolean;
  'sweeps.resume': 'ask' | 'always' | 'never';
  'data.keep': boolean;
  'data.keepMaxBytes': number;
  'data.keepInclude': string[];
  'data.keepExclude': string[];
  'data.keepOutputs': boolean;
}

export const SETTING_DEFAULTS: Readonly<Settings> = Object.freeze({
  pythonPath: '',
  trainingScripts: ['**/train*.py', '**/*_train.py'],
  captureData: true,
  maskSecrets: true,
  registries: [],
  'autolog.frameworks': false,
  'sweeps.resume': 'ask',
  'data.keep': true,
  'data.keepMaxBytes': 1073741824,
  'data.keepInclude': [],
  'data.keepExclude': [],
  'data.keepOutputs': false,
});
