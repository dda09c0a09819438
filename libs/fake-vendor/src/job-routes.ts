/** What a job-style fake endpoint answers: a status and a JSON body, or raw text (JSONL files). */
export interface JobRouteAnswer {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}
