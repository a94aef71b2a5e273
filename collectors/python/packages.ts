/**
 * Which OpenTelemetry Python packages a service needs: the distro and OTLP exporter, the logging
 * instrumentation (logs over OTLP), runtime metrics, and one instrumentation per library the model
 * lists.
 */
import type { ServiceModel } from '../../model/schema.js';

/**
 * Model libraries with an `opentelemetry-instrumentation-<name>` release at the pinned contrib
 * version. `elasticsearch` has none since 0.64b0, so it is reported instead of pinned to a release
 * that conflicts with the rest.
 */
const INSTRUMENTED = new Set([
  'aio-pika',
  'aiohttp-client',
  'aiohttp-server',
  'aiokafka',
  'asyncpg',
  'celery',
  'confluent-kafka',
  'django',
  'fastapi',
  'flask',
  'grpc',
  'httpx',
  'kafka-python',
  'mysql',
  'mysqlclient',
  'pika',
  'psycopg',
  'psycopg2',
  'pymongo',
  'pymysql',
  'redis',
  'requests',
  'sqlalchemy',
  'sqlite3',
  'starlette',
  'urllib3',
]);

export interface PythonPackages {
  /** Requirement lines, pinned. */
  lines: string[];
  /** Libraries of the model without an instrumentation at this version. */
  uninstrumented: string[];
}

export function pythonPackages(
  service: ServiceModel,
  versions: { contrib: string; sdk: string },
): PythonPackages {
  const libs = [...new Set(service.libraries)].sort();
  const withInstr = libs.filter((l) => INSTRUMENTED.has(l));
  // The framework's instrumentation even when the model's libraries were edited without it.
  const fw = service.framework;
  if (fw && INSTRUMENTED.has(fw) && !withInstr.includes(fw)) withInstr.unshift(fw);
  if (fw === 'aiohttp' && !withInstr.includes('aiohttp-server')) withInstr.push('aiohttp-server');
  return {
    lines: [
      `opentelemetry-distro==${versions.contrib}`,
      `opentelemetry-exporter-otlp==${versions.sdk}`,
      `opentelemetry-instrumentation-logging==${versions.contrib}`,
      // Process CPU, memory, threads and GC (RUNTIME_METRICS.python in the conventions).
      `opentelemetry-instrumentation-system-metrics==${versions.contrib}`,
      ...withInstr.map((l) => `opentelemetry-instrumentation-${l}==${versions.contrib}`),
    ],
    uninstrumented: libs.filter((l) => !INSTRUMENTED.has(l)),
  };
}
