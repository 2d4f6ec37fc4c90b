"""Moving in from other read-later services and browsers: one reader a format (pocket, instapaper,
omnivore, raindrop, bookmarks), `sniff` telling them apart by content, `moving_in` saving what they
read through the Library, and `page_queue` fetching the pages their exports do not hold."""
