import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Passes a handler's error through unchanged. Nest's default RPC filter replaces every unknown
 * error with `{status: 'error', message: 'Internal server error'}`, which hides whether a retry
 * can help; with this filter the bus sees the typed error (`retryable`) and naks or dead-letters
 * correctly. Register it with `app.useGlobalFilters(new BusExceptionFilter())`.
 */
@Catch()
export class BusExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    void host;
    return throwError(() => exception);
  }
}
