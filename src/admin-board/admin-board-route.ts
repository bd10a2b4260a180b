/** Where Bull Board is served, outside the /api prefix. */
export const ADMIN_BOARD_ROUTE = 'admin/queues';
