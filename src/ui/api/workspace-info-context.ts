import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { WorkspaceInfo } from '../../gateway/workspace-api/workspace-api-types.js';

/** The server's `GET /api/info`, loaded once by the app shell and shared with every page. */
export const WorkspaceInfoContext = createContext<WorkspaceInfo | null>(null);

/** The loaded WorkspaceInfo; the shell renders pages only once it is loaded. */
export function useWorkspaceInfo(): WorkspaceInfo {
  const info = useContext(WorkspaceInfoContext);
  if (info === null) throw new Error('useWorkspaceInfo used outside the loaded app shell');
  return info;
}
