@_exported import TallyFormats
@_exported import TallyStore
