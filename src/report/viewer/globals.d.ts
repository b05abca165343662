import type { ReportData } from '../report-data';

declare global {
  interface Window {
    __NETDISSECT__?: ReportData;
  }
}
