export { DOCTOR_CHECKS, renderDoctorReport, runDoctor, type RunDoctorOptions } from './doctor';
export { appJwt, GITHUB_APP_NEEDS } from './github';
export type { DoctorLine, DoctorReport, DoctorState } from './report';
