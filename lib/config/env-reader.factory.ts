import type { ModuleRef } from '@nestjs/core';
import type { EnvReader } from './value-parsers.js';

interface ConfigServiceLike {
  get(name: string): unknown;
}

/**
 * Reads settings through `@nestjs/config`'s `ConfigService` when the app has one (so `.env` files and
 * `load` factories work), else straight from `process.env`. `@nestjs/config` is an optional peer: it is
 * imported only if installed.
 */
export async function createEnvReader(moduleRef: ModuleRef): Promise<EnvReader> {
  const configService = await findConfigService(moduleRef);
  if (!configService) return (name) => process.env[name];
  return (name) => {
    const value = configService.get(name);
    return value === undefined || value === null ? undefined : String(value);
  };
}

async function findConfigService(moduleRef: ModuleRef): Promise<ConfigServiceLike | undefined> {
  let token: unknown;
  try {
    token = (await import('@nestjs/config')).ConfigService;
  } catch {
    return undefined;
  }
  try {
    return moduleRef.get(token as new () => ConfigServiceLike, { strict: false });
  } catch {
    return undefined;
  }
}
