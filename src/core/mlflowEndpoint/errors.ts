/** An error answered as MLflow answers them: `{error_code, message}` with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (message: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
export const invalid = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
export const missing = (name: string) =>
  invalid(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`);
