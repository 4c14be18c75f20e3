import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * CPU profiling of a window of a process's life (e.g. only the measured load, not startup or warm-up), through
 * the inspector protocol; writes a `.cpuprofile` that `summariseProfile` reads.
 */
export class WindowProfiler {
  private readonly session = new Session();

  async start(): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.post('Profiler.start');
  }

  async stop(file: string): Promise<void> {
    const { profile } = (await this.post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    this.session.disconnect();
  }

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result)));
    });
  }
}
