export { EventRecorder, type EventInput, type EventRecorderMetrics, type EventRecorderOptions, type EventSubject } from './recorder.ts';
