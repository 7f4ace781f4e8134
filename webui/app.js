/* the status page: filled in by issue #7 */
